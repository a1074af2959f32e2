# The registry's API and worker image; docker-compose.yml runs it against PostgreSQL 18.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COMPACTS_HOME=/data
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
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
