import { it } from 'vitest';
import { openRealApp } from './real-app.test-support.js';
it('scratch', async () => {
  const real = await openRealApp();
  console.log(real.app.printRoutes({ commonPrefix: false }));
  const r = await real.gql('{ __schema { queryType { fields { name } } mutationType { fields { name } } } }');
  console.log(JSON.stringify(r.body.data.__schema.queryType.fields.map((f: any) => f.name)), JSON.stringify(r.body.data.__schema.mutationType.fields.map((f: any) => f.name)));
  await real.close();
});
