# The registry's API and worker image, the runtime alone (requirements-runtime.lock): no test, lint or load tools.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COMPACTS_HOME=/data
WORKDIR /app
COPY requirements-runtime.lock pyproject.toml ./
RUN pip install --no-cache-dir --require-hashes -r requirements-runtime.lock
COPY domain domain
COPY services services
COPY projections projections
COPY api api
COPY infra infra
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && useradd --system --home /data compacts && mkdir -p /data && chown compacts /data
USER compacts
EXPOSE 8000
CMD ["compacts", "serve", "--host", "0.0.0.0", "--port", "8000"]
