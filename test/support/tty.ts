import assert from 'node:assert/strict';

/**
 * Renders for a terminal and for a pipe or log, checks that only the
 * terminal gets table borders, and returns both texts for the checks
 * they share.
 */
export function renderBothWays(render: (tty: boolean) => string): [tty: string, plain: string] {
  const tty = render(true);
  const plain = render(false);
  assert.match(tty, /┌/);
  assert.doesNotMatch(plain, /[┌│└]/);
  return [tty, plain];
}
