import { hex, utf8 } from "./encoding";

const hmac = async (key: BufferSource, data: string) =>
  crypto.subtle.sign(
    "HMAC",
    await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    utf8(data),
  );
const sha256 = async (data: string) => hex(await crypto.subtle.digest("SHA-256", utf8(data)));

/**
 * AWS Signature Version 4 of a POST with a JSON body and no query (all SES v2 sends), as headers:
 * Content-Type, X-Amz-Date and Authorization (signing host and x-amz-date). Written here because
 * the general signer (aws4fetch) cost 2.3 KiB gzip of the bundle for this one request shape; the
 * SES test checks the signature against one computed outside the Worker.
 */
export async function signAwsPost(opts: {
  url: URL;
  body: string;
  service: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Epoch ms. */
  now: number;
}): Promise<Record<string, string>> {
  const datetime = new Date(opts.now).toISOString().replace(/[:-]|\.\d{3}/g, "");
  const date = datetime.slice(0, 8);
  const scope = `${date}/${opts.region}/${opts.service}/aws4_request`;
  const signed = "host;x-amz-date";
  // The path as SigV4 canonicalizes it for every service but S3: each segment URI-encoded (RFC 3986).
  const path = encodeURIComponent(opts.url.pathname.replace(/\/+/g, "/"))
    .replace(/%2F/g, "/")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonical = [
    "POST",
    path,
    "",
    `host:${opts.url.host}\nx-amz-date:${datetime}\n`,
    signed,
    await sha256(opts.body),
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", datetime, scope, await sha256(canonical)].join("\n");
  let key = await hmac(utf8(`AWS4${opts.secretAccessKey}`), date);
  for (const part of [opts.region, opts.service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  return {
    "Content-Type": "application/json",
    "X-Amz-Date": datetime,
    Authorization: `AWS4-HMAC-SHA256 Credential=${opts.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}
