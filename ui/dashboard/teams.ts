// A campaign's teams as the dashboard names them: an object's assignee is
// an auditor's login or `team:<id>`, shown by the team's name.
import { get } from './api';
import type { Team } from '../src/bindings/server/Team';

export const TEAM_PREFIX = 'team:';

export const teamValue = (t: Team) => `${TEAM_PREFIX}${t.id}`;

/** A campaign's teams (coordinators read them). */
export const teamsOf = (campaign: string) => get<Team[]>(`/api/v1/campaigns/${campaign}/teams`);

/** The assignee as a person reads it: the team's name, or the login. */
export function assigneeName(assignee: string, teams: Team[]): string {
  return teams.find((t) => teamValue(t) === assignee)?.name ?? assignee;
}
