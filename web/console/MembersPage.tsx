/** Members (owners and admins): routing settings, each member's role and capacity, adding agents. */
import { useState } from 'preact/hooks';
import { AddMember } from './AddMember.js';
import { describeError } from './api.js';
import { canManage, useConsole } from './context.js';
import { MemberRow } from './MemberRow.js';
import { RoutingSettings } from './RoutingSettings.js';
import { useStore } from './store.js';

export function MembersPage() {
  const { chat, project } = useConsole();
  const { members } = useStore(chat.state);
  const [error, setError] = useState<string | null>(null);
  if (!canManage(project)) {
    return (
      <main class="page">
        <h2>Members</h2>
        <p>Only owners and admins manage members.</p>
      </main>
    );
  }
  const refresh = () => chat.refreshMembers().catch((err) => setError(describeError(err)));
  return (
    <main class="page members">
      <h2>Members</h2>
      <RoutingSettings />
      <section aria-labelledby="members-list">
        <h3 id="members-list">Team</h3>
        {error && <p class="error" role="alert">{error}</p>}
        <ul aria-label="Members" class="plain member-list">
          {members.map((m) => (
            <MemberRow key={m.id} member={m} onChanged={refresh} />
          ))}
        </ul>
      </section>
      <AddMember onAdded={refresh} />
    </main>
  );
}
