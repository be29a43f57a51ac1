import { describe, expect, it } from "vitest";
import { checkWorkflows, workflowSecretProblems } from "../../scripts/check-workflow-secrets";

describe("CI workflow secrets", () => {
  it("gives CLOUDFLARE_API_TOKEN only to the jobs that deploy", () => {
    expect(checkWorkflows()).toEqual([]);
  });

  it("sees the problems it is for (a check that cannot fail is a bug)", () => {
    const workflow = `name: ci
env:
  CLOUDFLARE_API_TOKEN: \${{ secrets.CLOUDFLARE_API_TOKEN }}
jobs:
  test:
    runs-on: ubuntu-latest
    env:
      CLOUDFLARE_API_TOKEN: \${{ secrets.CLOUDFLARE_API_TOKEN }}
    steps:
      # npx wrangler deploy would need it, but this is a comment
      - run: npx wrangler deploy --dry-run
  deploy:
    runs-on: ubuntu-latest
    env:
      CLOUDFLARE_API_TOKEN: \${{ secrets.CLOUDFLARE_API_TOKEN }}
    steps:
      - run: npx wrangler deploy
`;
    expect(workflowSecretProblems(workflow)).toEqual([
      "workflow: CLOUDFLARE_API_TOKEN in the workflow-level env reaches every job",
      'workflow: job "test" gets CLOUDFLARE_API_TOKEN but runs no wrangler command that needs it',
    ]);
  });
});
