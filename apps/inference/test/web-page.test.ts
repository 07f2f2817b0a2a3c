import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fishPhoto, startServer, threeModelProject } from "./fixture.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`skipping the web page tests: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!hasChromium)("web page in headless Chromium", () => {
  let browser: Browser;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const { dir, lock } = await threeModelProject();
    const started = await startServer(lock, dir);
    url = started.url;
    close = () => started.server.close();
    await started.waitReady();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  it("uploads a photo and shows the top-3 as bars, matching the API", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-page-"));
    const photo = join(dir, "fish.jpg");
    await writeFile(photo, await sharp(fishPhoto(2, 31)).jpeg({ quality: 92 }).toBuffer());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${url}/?model=fish-classifier`);
    await page.locator("#image").setInputFiles(photo);
    const bars = page.locator('[data-testid="bar"]');
    await bars.nth(2).waitFor();
    expect(await bars.count()).toBe(3);
    const labels = await bars.locator(".label").allTextContents();
    const shares = (await bars.locator(".value").allTextContents()).map((v) => Number.parseFloat(v));

    const api = (await (
      await fetch(`${url}/v1/models/fish-classifier/predict`, {
        method: "POST",
        headers: { "content-type": "image/jpeg" },
        body: await sharp(fishPhoto(2, 31)).jpeg({ quality: 92 }).toBuffer(),
      })
    ).json()) as { top_3_predictions: { label: string; confidence: number }[] };
    expect(labels).toEqual(api.top_3_predictions.map((p) => p.label));
    expect(labels[0]).toBe("species_2");
    shares.forEach((share, i) => expect(share).toBeCloseTo(api.top_3_predictions[i]!.confidence * 100, 0));
    expect(await page.locator("#answer-meta").textContent()).toMatch(/fish-classifier v1/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws the CO2 history with the forecast and its interval", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/?model=co2-forecast`);
    const chart = page.locator('[data-testid="forecast-chart"]');
    await chart.waitFor();
    for (const part of ["history", "forecast", "interval"]) {
      expect(await chart.locator(`[data-testid="${part}"]`).count(), part).toBe(1);
    }
    const points = (await chart.locator('[data-testid="forecast"]').getAttribute("points"))!
      .trim()
      .split(" ");
    expect(points.length).toBe(13); // the last observed month, then 12 forecast months
    await page.close();
  });

  it("loads example candles, shows the signal, and shows errors from bad input", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.locator("#model").selectOption("btc-signal");
    await page.locator("#load").click();
    await page.locator("#send").click();
    const signal = page.locator('[data-testid="signal"]');
    await signal.waitFor();
    expect(["buy", "sell", "hold"]).toContain((await signal.textContent())!.trim());
    expect(await page.locator('[data-testid="bar"]').count()).toBe(3);
    await page.locator("#request").fill('{"candles": []}');
    await page.locator("#send").click();
    await page.locator(".error").waitFor();
    expect(await page.locator(".error").textContent()).toMatch(/REQUEST_INVALID/);
    await page.close();
  });
});
