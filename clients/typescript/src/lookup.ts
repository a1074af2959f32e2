// The integrator's guide's lookup, typed from the schema: which compact covers a matter for a locality, and why.
// Run it against a registry: `npm run lookup -- http://127.0.0.1:8000/graphql harlow champions 2012-01-01`.
import { graphql } from './gql/index.js';
import { Registry } from './registry.js';

const Lookup = graphql(`
  query Lookup($locality: String!, $matter: String!, $asOf: Date) {
    lookup(locality: $locality, matter: $matter, asOf: $asOf) {
      answeredBy {
        slug
        name
      }
      sections {
        key
        heading
      }
      trail {
        tenant {
          slug
        }
        covered
        reason
      }
      explanation
    }
  }
`);

const [url = 'http://127.0.0.1:8000/graphql', locality = 'harlow', matter = 'champions', asOf = '2012-01-01'] =
  process.argv.slice(2);
const registry = new Registry(url);
const { lookup } = await registry.execute(Lookup, { locality, matter, asOf });

// Every field is typed: `answeredBy` may be null (no compact covers the matter), the trail never is.
const answeredBy: string = lookup.answeredBy?.name ?? 'no compact';
console.error(`${answeredBy} answers (sent as ${registry.lastSent}).`);
for (const step of lookup.trail) {
  console.error(`  ${step.tenant.slug}: ${step.covered ? 'covers it' : 'does not'} - ${step.reason}`);
}
console.log(JSON.stringify({ lookup }));
