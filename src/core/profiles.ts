import type { Manifest, Profile } from './manifest';

export interface ResolvedProfile {
  name: string;
  kind: 'local' | 'azure';
  profile: Profile;
}

/** The profiles a user can pick; a manifest without any still has the implicit `local` one. */
export function profileNames(m: Manifest): string[] {
  const names = Object.keys(m.profiles ?? {});
  return names.length ? names : ['local'];
}

/**
 * Which profile is active: the one picked in VS Code if it still exists, else the manifest's `activeProfile`,
 * else `local` when declared, else the first one.
 */
export function resolveProfile(m: Manifest, picked?: string): ResolvedProfile {
  const profiles = m.profiles ?? {};
  const names = Object.keys(profiles);
  const name = [picked, m.activeProfile, 'local', names[0]].find((n): n is string => n !== undefined && n in profiles) ?? 'local';
  const profile = profiles[name] ?? { kind: 'local' };
  return { name, kind: profile.kind ?? (name === 'local' ? 'local' : 'azure'), profile };
}
