import { InvalidArgumentError, type Command } from 'commander';
import { DomainError, ErrorCodes } from '../core/errors.js';
import { PROJECT_VISIBILITIES, type ProjectVisibility, type Role } from '../core/ports.js';
import type { Services } from '../core/services.js';

type StorageFlags = { dataDir?: string; databaseUrl?: string };
interface CliKit {
  storageFlags: (cmd: Command) => Command;
  withRuntime: <T>(flags: StorageFlags, fn: (rt: { services: Services }) => Promise<T>) => Promise<T>;
}

const cli = { system: 'cli' } as const;
const role = (v: string): Role => {
  if (v === 'admin' || v === 'member' || v === 'viewer') return v;
  throw new InvalidArgumentError('must be admin, member or viewer');
};
const visibility = (v: string): ProjectVisibility => {
  if ((PROJECT_VISIBILITIES as readonly string[]).includes(v)) return v as ProjectVisibility;
  throw new DomainError(ErrorCodes.INVALID_INPUT, `unknown visibility ${JSON.stringify(v)}: use ${PROJECT_VISIBILITIES.join(', ')}`);
};

/** `cairn projects …`: who may see a project (visibility) and the named members of restricted projects. Audited. */
export function registerProjectCommands(program: Command, { storageFlags, withRuntime }: CliKit): void {
  const projects = program.command('projects').description('project visibility (private, organization, restricted, public) and project members');
  storageFlags(projects.command('visibility <entity/project> [visibility]')
    .description('show, or set, who may read <entity/project>: private (its entity\'s members, the default), organization '
      + '(also read-only for every member of the entity\'s organization), restricted (only named project members and entity '
      + 'admins), public (also read-only for every signed-in user)'))
    .action(async (ref: string, value: string | undefined, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      if (value === undefined) {
        const { project } = await rt.services.projectVisibility.listMembers(cli, ref);
        process.stdout.write(`${ref}\t${project.visibility}\n`);
        return;
      }
      const r = await rt.services.projectVisibility.setVisibility(cli, ref, visibility(value));
      process.stdout.write(`${ref}: ${r.previous} -> ${r.project.visibility}\n`);
    }));
  const members = projects.command('members').description('named members of a project (they matter when it is restricted)');
  storageFlags(members.command('list <entity/project>').description('list named members and their project roles'))
    .action(async (ref: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      const { project, members: list } = await rt.services.projectVisibility.listMembers(cli, ref);
      process.stdout.write(`# ${ref} is ${project.visibility}\n`);
      for (const m of list) process.stdout.write(`${m.user.username}\t${m.role}\n`);
    }));
  storageFlags(members.command('add <entity/project> <user>').description('add a named member or change its role'))
    .option('--role <role>', 'admin, member or viewer', role, 'viewer')
    .action(async (ref: string, who: string, opts: StorageFlags & { role: Role }) => withRuntime(opts, async (rt) => {
      const r = await rt.services.projectVisibility.addMember(cli, ref, who, opts.role);
      process.stdout.write(`${r.user.username}: ${r.previous ?? 'none'} -> ${opts.role} in ${ref}`
        + `${r.project.visibility === 'restricted' ? '' : ` (${ref} is ${r.project.visibility}: named roles apply once it is restricted)`}\n`);
    }));
  storageFlags(members.command('remove <entity/project> <user>').description('remove a named member'))
    .action(async (ref: string, who: string, opts: StorageFlags) => withRuntime(opts, async (rt) => {
      const r = await rt.services.projectVisibility.removeMember(cli, ref, who);
      process.stdout.write(`removed ${r.user.username} (${r.previous}) from ${ref}\n`);
    }));
}
