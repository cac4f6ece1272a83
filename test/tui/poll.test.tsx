/**
 * Polling without waste: a poll whose version is unchanged loads nothing, a load that finds
 * what is shown renders nothing, and a hidden pane keeps what it loaded.
 */
import { Text } from 'ink';
import { describe, expect, it } from 'vitest';
import { usePoll } from '../../source/tui/hooks/use-poll.js';
import { renderView } from '../helpers/ink.js';
import { waitFor } from '../helpers/pobsync.js';

/** What a service returns: a new object on every load, equal or not to the last one. */
type Loaded = { text: string };

function Polled(props: { load: () => Promise<string>; version?: () => Promise<unknown>; enabled?: boolean; onRender: () => void }) {
  const polled = usePoll<Loaded>(async () => ({ text: await props.load() }), 10, [], {
    ...(props.version ? { version: props.version } : {}),
    ...(props.enabled === undefined ? {} : { enabled: props.enabled }),
  });
  props.onRender();
  return <Text>{polled.data?.text ?? 'nothing yet'}</Text>;
}

describe('usePoll', () => {
  it('loads again only when the version changed', async () => {
    let loads = 0;
    let probes = 0;
    let version = 1;
    const view = await renderView(
      <Polled
        load={async () => `load ${++loads}`}
        version={async () => {
          probes += 1;
          return version;
        }}
        onRender={() => undefined}
      />,
    );
    await waitFor('the first load', () => view.lastFrame()?.includes('load 1'));
    const probed = probes;
    await waitFor('more polls', () => probes >= probed + 5);
    expect(loads).toBe(1);
    version = 2;
    await waitFor('the load after the change', () => view.lastFrame()?.includes('load 2'));
    view.unmount();
  });

  it('does not render again when a load finds what is shown', async () => {
    let loads = 0;
    let renders = 0;
    const view = await renderView(
      <Polled
        load={async () => {
          loads += 1;
          return 'the same';
        }}
        onRender={() => {
          renders += 1;
        }}
      />,
    );
    await waitFor('the first load', () => view.lastFrame()?.includes('the same'));
    const rendered = renders;
    await waitFor('more loads', () => loads >= 5);
    expect(renders).toBe(rendered);
    view.unmount();
  });

  it('keeps what it loaded while disabled (a hidden tab), and loads nothing then', async () => {
    let loads = 0;
    const load = async () => `load ${++loads}`;
    const view = await renderView(<Polled load={load} onRender={() => undefined} />);
    await waitFor('a load', () => view.lastFrame()?.includes('load'));
    view.rerender(<Polled load={load} enabled={false} onRender={() => undefined} />);
    const shown = view.lastFrame()!;
    const loaded = loads;
    expect(shown).toMatch(/load \d+/);
    // Long enough for many polls had it been enabled: nothing is asked for.
    let probes = 0;
    const other = await renderView(<Polled load={async () => `other ${++probes}`} onRender={() => undefined} />);
    await waitFor('another poller to load five times', () => probes >= 5);
    expect(loads).toBe(loaded);
    expect(view.lastFrame()).toBe(shown);
    other.unmount();
    view.unmount();
  });
});
