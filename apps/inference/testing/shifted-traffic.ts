import { pino } from "pino";
import { configFromEnv } from "../src/config.js";
import { serveLock } from "../src/serve-lock.js";

/**
 * Serves a lock's co2-forecast with the prediction log in `logDir` and sends it `requests`
 * histories far from anything it was trained on (a steep 4 ppm a month); returns /metrics as
 * scraped after them. The drift window is 100 predictions, judged from 50.
 */
export async function sendShiftedCo2(lockFile: string, logDir: string, requests = 120): Promise<string> {
  const { server, port } = await serveLock({
    config: configFromEnv({
      LOCKSTEP_LOCK: lockFile,
      PORT: "0",
      LOCKSTEP_WATCH_LOCK_MS: "0",
      LOCKSTEP_PREDICTION_LOG_DIR: logDir,
      LOCKSTEP_DRIFT_WINDOW: "100",
      LOCKSTEP_DRIFT_MIN: "50",
      // every request here is its own: none answered from the cache
      LOCKSTEP_CACHE: "off",
    }),
    host: "127.0.0.1",
    logger: pino({ level: "silent" }),
    signals: false,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await server.registry.settled();
    const card = (await (await fetch(`${url}/v1/models/co2-forecast`)).json()) as {
      serving: { history: number[] };
    };
    const window = card.serving.history.length;
    for (let i = 0; i < requests; i++) {
      const history = Array.from({ length: window }, (_, k) => 250 + 4 * k + (i % 5) * 0.1);
      const response = await fetch(`${url}/v1/models/co2-forecast/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon: 12, history, lastMonth: "2031-06" }),
      });
      if (response.status !== 200)
        throw new Error(`predict answered ${response.status}: ${await response.text()}`);
    }
    return await (await fetch(`${url}/metrics`)).text();
  } finally {
    // close flushes the prediction log
    await server.close();
  }
}
