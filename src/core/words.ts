/** A count with its noun, singular for one: `1 output`, `3 outputs`, `0 objects`. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
