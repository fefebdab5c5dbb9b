import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { gql } from '../../lib/api';
import { timeAgo } from '../../lib/format';

interface Destination { id: number; kind: string; url: string; description: string | null; createdBy: string; createdAt: string }
interface Settings { runFinished: boolean; runFailed: boolean; runCrashed: boolean }
interface AlertEntity { name: string; alertDestinations: Destination[] | null; alertSettings: Settings | null }

const FIELDS = 'name alertDestinations { id kind url description createdBy createdAt } alertSettings { runFinished runFailed runCrashed }';
const ENTITIES = `query { viewer { entity teams { edges { node { ${FIELDS} } } } } }`;
const ENTITY = `query($name: String!) { entity(name: $name) { ${FIELDS} } }`;
const KEY = ['alert-entities'] as const;

/**
 * Where each entity's run alerts go (Slack incoming webhooks, signed webhooks) and which run-state alerts are on.
 * Only entities the viewer administers are editable: the server returns no destinations for the others.
 */
export function AlertSettings() {
  const entities = useQuery({
    queryKey: KEY,
    queryFn: async ({ signal }) => {
      const v = await gql<{ viewer: { entity: string; teams: { edges: { node: AlertEntity }[] } | null } }>(ENTITIES, {}, signal);
      const own = await gql<{ entity: AlertEntity | null }>(ENTITY, { name: v.viewer.entity }, signal);
      const all = [own.entity, ...(v.viewer.teams?.edges.map((e) => e.node) ?? [])].filter((e): e is AlertEntity => !!e);
      // teams may list the personal entity too: one section per entity.
      return all.filter((e, i) => e.alertDestinations !== null && all.findIndex((o) => o.name === e.name) === i);
    },
  });
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      <p><code>run.alert(...)</code> and the run-state alerts below are sent to every destination of the run's entity.</p>
      {entities.error && <p role="alert" className="error">{entities.error.message}</p>}
      {entities.data?.length === 0 && <p className="muted">You administer no entity, so there is nothing to configure here.</p>}
      {entities.data?.map((e) => <EntityAlerts key={e.name} entity={e} />)}
    </section>
  );
}

function EntityAlerts({ entity }: { entity: AlertEntity }) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: KEY });
  const [kind, setKind] = useState('slack');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const add = useMutation({
    mutationFn: () => gql(`mutation($input: AddAlertDestinationInput!) { addAlertDestination(input: $input) { id } }`, {
      input: { entityName: entity.name, kind, url: url.trim(), ...(kind === 'webhook' && secret ? { secret } : {}) },
    }),
    onSuccess: () => { setUrl(''); setSecret(''); void refresh(); },
  });
  const remove = useMutation({
    mutationFn: (id: number) => gql(`mutation($input: RemoveAlertDestinationInput!) { removeAlertDestination(input: $input) }`,
      { input: { entityName: entity.name, id } }),
    onSuccess: () => void refresh(),
  });
  const toggle = useMutation({
    mutationFn: (change: Partial<Settings>) => gql(`mutation($input: UpdateAlertSettingsInput!) { updateAlertSettings(input: $input) { runFinished } }`,
      { input: { entityName: entity.name, ...change } }),
    onSuccess: () => void refresh(),
  });
  const submit = (e: FormEvent) => { e.preventDefault(); add.mutate(); };
  const s = entity.alertSettings;

  return (
    <div className="alert-entity" data-entity={entity.name}>
      <h3>{entity.name}</h3>
      <fieldset className="inline-form" aria-label={`Run-state alerts of ${entity.name}`}>
        {([['runFinished', 'Run finished'], ['runFailed', 'Run failed'], ['runCrashed', 'Run crashed (heartbeat lost)']] as const).map(([k, label]) => (
          <label key={k}>
            <input type="checkbox" checked={!!s?.[k]} disabled={toggle.isPending} onChange={(ev) => toggle.mutate({ [k]: ev.target.checked })} /> {label}
          </label>
        ))}
      </fieldset>
      {toggle.error && <p role="alert" className="error">{toggle.error.message}</p>}
      <table className="plain">
        <thead><tr><th>Kind</th><th>URL</th><th>Added</th><th /></tr></thead>
        <tbody>
          {entity.alertDestinations?.map((d) => (
            <tr key={d.id} data-destination-id={d.id}>
              <td>{d.kind}</td>
              <td><code>{d.url}</code></td>
              <td title={d.createdAt}>{timeAgo(d.createdAt)} by {d.createdBy}</td>
              <td><button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(d.id)}>Remove</button></td>
            </tr>
          ))}
          {entity.alertDestinations?.length === 0 && <tr><td colSpan={4} className="muted">No destinations: alerts are kept on the run page only.</td></tr>}
        </tbody>
      </table>
      <form onSubmit={submit} className="inline-form">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="slack">Slack incoming webhook</option>
            <option value="webhook">Signed webhook</option>
          </select>
        </label>
        <label>
          URL
          <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.slack.com/services/…" />
        </label>
        {kind === 'webhook' && (
          <label>
            Signing secret
            <input type="password" value={secret} minLength={16} onChange={(e) => setSecret(e.target.value)} placeholder="16 characters or more" />
          </label>
        )}
        <button type="submit" disabled={add.isPending}>Add destination</button>
      </form>
      {add.error && <p role="alert" className="error">{add.error.message}</p>}
      {remove.error && <p role="alert" className="error">{remove.error.message}</p>}
    </div>
  );
}
