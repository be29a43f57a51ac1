import { describe, expect, it } from "vitest";
import { countryName, describeDevice, formatWhen } from "../../src/domain/device";

// What the "password changed" email says about when and from where (src/domain/device.ts).

const WHEN = Date.UTC(2026, 10, 23, 13, 6);

describe("device, place and time of a request, in the reader's language", () => {
  it("formats dates in the reader's language, in UTC", () => {
    expect(formatWhen(WHEN, "en")).toBe("November 23, 2026 at 1:06 PM (UTC)");
    expect(formatWhen(WHEN, "fr")).toContain("23 novembre 2026");
    expect(formatWhen(WHEN, "de")).toContain("23. November 2026");
    expect(formatWhen(WHEN, "ja")).toContain("2026年11月23日");
    expect(countryName("DE", "fr")).toBe("Allemagne");
    expect(countryName("XX", "en")).toBeNull();
    expect(countryName("<b>", "en")).toBeNull();
  });

  it("names the device from a User-Agent, never echoing the header itself", () => {
    expect(
      describeDevice(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
      ),
    ).toBe("Chrome, Windows");
    expect(
      describeDevice(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
          "Version/17.0 Mobile/15E148 Safari/604.1",
      ),
    ).toBe("Safari, iOS");
    expect(describeDevice("Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0")).toBe(
      "Firefox, Linux",
    );
    expect(describeDevice("curl/8.5.0 <script>alert(1)</script> click http://evil.example")).toBeNull();
    expect(describeDevice(null)).toBeNull();
  });
});
