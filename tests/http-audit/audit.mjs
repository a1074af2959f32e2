// The GraphQL over HTTP specification's audit against a running server: `node audit.mjs URL`.
// Prints one JSON object per audit ({id, name, status, reason}) and a closing tally; the Python test reads them.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:8000/graphql');
  process.exit(2);
}
const results = await auditServer({ url });
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    line.httpStatus = result.response.status;
    line.contentType = result.response.headers.get('content-type');
  }
  console.log(JSON.stringify(line));
}
