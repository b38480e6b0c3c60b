/** Edit distance (insertions, deletions, substitutions): how far a typed name is from one that exists. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidates within `max` edits of `name`, closest first. */
export function closestNames(name: string, candidates: readonly string[], max = 2): string[] {
  return candidates
    .map((candidate) => ({ candidate, d: editDistance(name, candidate) }))
    .filter(({ d }) => d <= max)
    .sort((x, y) => x.d - y.d || x.candidate.localeCompare(y.candidate))
    .map(({ candidate }) => candidate);
}
