import { describe, expect, it } from "vitest";
import { agentMessage } from "./log";

describe("pods/log errors from the agent", () => {
  it("pass on the message of the agent's Status, not its JSON", () => {
    const status = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: 'container "web" in pod "p" is waiting to start', code: 400 });
    expect(agentMessage(status)).toBe('container "web" in pod "p" is waiting to start');
  });
  it("keep a plain-text answer as it is", () => {
    expect(agentMessage("no such container")).toBe("no such container");
    expect(agentMessage('{"not":"a status"}')).toBe('{"not":"a status"}');
  });
});
