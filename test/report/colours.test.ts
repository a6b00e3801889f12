/**
 * A chart's lines must be told apart: variants of one transport in one step (Socket.IO's engines
 * and its Redis adapters) each get a colour of their own, the first keeping its transport's.
 */
import { describe, expect, it } from 'vitest';
import { colorOf } from '../../report/chart-kit.ts';
import { TRANSPORT_FACTS, type Variant, type VariantResult } from '../../bench/model/results.ts';

const of = (variant: Variant): VariantResult => ({ variant, trials: [], summary: {} as VariantResult['summary'] });

describe('colorOf', () => {
  it('gives each variant of one transport in a step its own colour, the first its transport\'s', () => {
    const step = [
      of({ id: 'socketio', transport: 'socketio', engine: 'upgrade' }),
      of({ id: 'socketio/redis-adapter', transport: 'socketio', engine: 'upgrade', adapter: 'redis' }),
      of({ id: 'socketio/redis-streams-adapter', transport: 'socketio', engine: 'upgrade', adapter: 'redis-streams' }),
      of({ id: 'websocket', transport: 'websocket' }),
    ];
    const colours = step.map((v, i) => colorOf(v, i, step));
    expect(new Set(colours).size, colours.join(' ')).toBe(4);
    expect(colours[0]).toBe(TRANSPORT_FACTS.socketio.colour);
    expect(colours[3]).toBe(TRANSPORT_FACTS.websocket.colour);
  });

  it('keeps the transports\' colours for a step of different transports', () => {
    const step = [of({ id: 'websocket', transport: 'websocket' }), of({ id: 'sse', transport: 'sse' })];
    expect(step.map((v, i) => colorOf(v, i, step))).toEqual([TRANSPORT_FACTS.websocket.colour, TRANSPORT_FACTS.sse.colour]);
  });
});
