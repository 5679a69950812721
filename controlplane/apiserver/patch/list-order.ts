// The order of a merged list: the elements the patch (or applied configuration) names in its
// order, the others in their live order, the two interleaved by their live positions; both
// relative orders are kept (Kubernetes' normalizeElementOrder / mergeSortedSlice).

export function interleave(
  fromPatch: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  keyOf: (e: unknown) => string,
): unknown[] {
  const indexIn = (list: readonly unknown[]) => {
    const keys = list.map(keyOf);
    return (e: unknown) => keys.indexOf(keyOf(e));
  };
  const inPatch = indexIn(patchOrder);
  const inServer = indexIn(serverOrder);
  const right = [...fromPatch].sort((a, b) => inPatch(a) - inPatch(b));
  const left = [...serverOnly].sort((a, b) => inServer(a) - inServer(b));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = inServer(left[i]);
      const ri = inServer(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
