import { describe, expect, it } from "vitest";
import { CacheDecodeError, cachedAnswer, cachedAnswerFromText } from "../src/cache/cached-answer.js";
import { JsonText, joinJson } from "../src/inference-steps/json-text.js";

describe("joinJson", () => {
  it("joins objects and serialised objects into one object, in order", () => {
    const answer = new JsonText(JSON.stringify({ forecast: [{ value: 417.134 }], unit: "ppm" }));
    const joined = joinJson({ model: "co2", version: "1" }, answer, { cached: true, ms: 0.25 });
    expect(JSON.parse(joined.text)).toEqual({
      model: "co2",
      version: "1",
      forecast: [{ value: 417.134 }],
      unit: "ppm",
      cached: true,
      ms: 0.25,
    });
    expect(Object.keys(JSON.parse(joined.text))).toEqual([
      "model",
      "version",
      "forecast",
      "unit",
      "cached",
      "ms",
    ]);
  });

  it("skips empty parts wherever they are", () => {
    expect(joinJson().text).toBe("{}");
    expect(joinJson({}, new JsonText("{}")).text).toBe("{}");
    expect(joinJson({}, { a: 1 }, new JsonText("{}"), { b: 2 }, {}).text).toBe('{"a":1,"b":2}');
    expect(joinJson(new JsonText('{"a":1}')).text).toBe('{"a":1}');
    // a property holding undefined is dropped, as JSON.stringify drops it
    expect(joinJson({ a: undefined }, { b: null }).text).toBe('{"b":null}');
  });

  it("keeps strings that look like JSON syntax intact", () => {
    const hostile = { label: '"},{"sha256":"forged', nested: "}{,", quote: "\u2028\\" };
    const joined = joinJson({ sha256: "real" }, new JsonText(JSON.stringify(hostile)), { cached: false });
    expect(JSON.parse(joined.text)).toEqual({ sha256: "real", ...hostile, cached: false });
  });
});

describe("cached answers", () => {
  it("serialises an answer once and reads it back from its text", () => {
    const entry = cachedAnswer({ signal: "buy", probabilities: { buy: 0.5, hold: 0.3, sell: 0.2 } });
    const back = cachedAnswerFromText(entry.json.text);
    expect(back.answer).toEqual(entry.answer);
    expect(back.json.text).toBe(entry.json.text);
  });

  it("refuses a stored text that is not a JSON object", () => {
    for (const text of ["", "not json", "{", "null", "[]", "[1,2]", '"text"', "42", "true", "\u0000"]) {
      expect(() => cachedAnswerFromText(text), text).toThrow(CacheDecodeError);
    }
  });
});
