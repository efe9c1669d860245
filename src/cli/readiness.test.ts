import { peersCheck, syncCheck, unappliedMigrations } from './readiness';

describe('readiness checks', () => {
  it('finds migration folders without a finished, not rolled back row', () => {
    const done = new Date();
    const rows = [
      { migration_name: 'a_init', finished_at: done, rolled_back_at: null },
      { migration_name: 'b_auth', finished_at: null, rolled_back_at: null },
      { migration_name: 'c_more', finished_at: done, rolled_back_at: done },
      { migration_name: 'z_only_in_db', finished_at: done, rolled_back_at: null },
    ];
    expect(unappliedMigrations(['d_new', 'a_init', 'b_auth', 'c_more'], rows)).toEqual(['b_auth', 'c_more', 'd_new']);
    expect(unappliedMigrations(['a_init'], rows)).toEqual([]);
  });

  it('fails the peers check before the first round and while an organisation has no peer', async () => {
    let orgs: string[] | undefined;
    const check = peersCheck(() => orgs);
    await expect(check.check()).rejects.toThrow('the first peer round has not finished');
    orgs = ['Org2MSP'];
    await expect(check.check()).rejects.toThrow('no peer of Org2MSP answers');
    orgs = [];
    await expect(check.check()).resolves.toBeUndefined();
  });

  it('fails the sync check with its reason', async () => {
    let reason: string | undefined = 'mychannel: stalled';
    const check = syncCheck(() => reason);
    await expect(check.check()).rejects.toThrow('mychannel: stalled');
    reason = undefined;
    await expect(check.check()).resolves.toBeUndefined();
  });
});
