// Docker's byte streams: the framed stdout/stderr of a non-TTY container, and waiting for a
// stream to end within a time limit.

/** Docker multiplexes stdout/stderr in 8-byte framed chunks when no TTY is attached. */
export function demuxBuffer(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    if (type !== 0 && type !== 1 && type !== 2) return buffer; // not framed (TTY)
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? buffer : Buffer.concat(parts);
}

/** Resolves when stream ends; rejects on its error, or (destroying it) after timeoutMs. */
export function streamEnd(stream: NodeJS.ReadableStream & { destroy(): void }, timeoutMs: number, timeoutMessage: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(timeoutMessage));
    }, timeoutMs);
    stream.on("end", () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on("error", (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
