import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { decodeBody } from "./request";

const decode = (text: string, type = "application/json") => {
  try {
    return decodeBody(Buffer.from(text), type);
  } catch (e) {
    return e instanceof ApiError ? `${e.code} ${e.message}` : e;
  }
};

describe("decodeBody", () => {
  it("calls an empty or blank body empty, JSON or YAML, and malformed JSON malformed", () => {
    for (const text of ["", "  \n\t"]) {
      expect(decode(text)).toBe("400 the request body is empty");
      expect(decode(text, "application/yaml")).toBe("400 the request body is empty");
    }
    expect(decode(" {")).toMatch(/^400 json: cannot unmarshal request body: /);
    expect(decode(' {"a": 1} ')).toEqual({ a: 1 });
  });
});
