import { createWorker } from "./app";

/** The Worker: fetch (API, dialects, hosted pages) and scheduled (outbox retries, retention). */
export default createWorker();
