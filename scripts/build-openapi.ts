// `npm run openapi`: writes src/openapi/openapi.gen.json from the route schemas. Runs in Node at
// build time so the generator (and zod's JSON Schema code) never ships in the Worker; a test fails
// when the committed file drifts from the schemas.
import { writeFileSync } from "node:fs";
import { buildOpenApi } from "../src/openapi/document";

writeFileSync(new URL("../src/openapi/openapi.gen.json", import.meta.url), JSON.stringify(buildOpenApi(), null, 2) + "\n");
console.log("wrote src/openapi/openapi.gen.json");
