// `npm run openapi`: writes public/openapi.json and public/docs/index.html from the route schemas.
// Runs in Node at build time, so neither the generator nor the document ships in the Worker
// bundle: both are served as static assets. A test fails when the committed files drift.
import { mkdirSync, writeFileSync } from "node:fs";
import { renderDocsPage } from "../src/openapi/docs-page";
import { buildOpenApi } from "../src/openapi/document";

const spec = buildOpenApi();
mkdirSync(new URL("../public/docs/", import.meta.url), { recursive: true });
writeFileSync(new URL("../public/openapi.json", import.meta.url), `${JSON.stringify(spec, null, 2)}\n`);
writeFileSync(new URL("../public/docs/index.html", import.meta.url), renderDocsPage(spec));
console.log("wrote public/openapi.json and public/docs/index.html");
