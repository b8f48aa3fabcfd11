/** A signed-in agent in one project: the header (navigation, presence) and the page the URL names. */
import { useEffect, useMemo } from 'preact/hooks';
import type { Api } from './api.js';
import { ChatStore } from './chat-store.js';
import { ContactDetail } from './ContactDetail.js';
import { ContactForm } from './ContactForm.js';
import { ContactsPage } from './ContactsPage.js';
import { canManage, Ctx, type ConsoleContext } from './context.js';
import { Duplicates } from './Duplicates.js';
import { Inbox } from './Inbox.js';
import { MembersPage } from './MembersPage.js';
import { PresenceSwitch } from './PresenceSwitch.js';
import { href, useRoute, type Route } from './route.js';
import type { Session } from './session.js';
import { useStore } from './store.js';
import type { MyProject } from './types.js';

interface WorkspaceProps {
  session: Session;
  api: Api;
  project: MyProject;
  onAuthLost(): void;
  onSwitchProject(): void;
  onSignOut(): void;
}

export function Workspace(props: WorkspaceProps) {
  const { session, api, project } = props;
  const chat = useMemo(
    () => new ChatStore({ token: session.token, projectId: project.id, me: session.agent, api, onAuthLost: props.onAuthLost, onProjectLost: props.onSwitchProject }),
    [session.token, project.id],
  );
  useEffect(() => () => chat.stop(), [chat]);
  const ctx: ConsoleContext = { api, chat, me: session.agent, project, base: `/v1/projects/${project.id}`, switchProject: props.onSwitchProject, signOut: props.onSignOut };
  const route = useRoute();

  return (
    <Ctx.Provider value={ctx}>
      <header class="top">
        <div class="brand">
          <strong>Pingstreams</strong> <span class="muted">{project.name}</span>
        </div>
        <nav aria-label="Main" class="main-nav">
          <a href={href.inbox('mine')} aria-current={route.page === 'inbox' ? 'page' : undefined}>Inbox</a>
          <a href={href.contacts()} aria-current={['contacts', 'contact', 'new-contact', 'duplicates'].includes(route.page) ? 'page' : undefined}>Contacts</a>
          {canManage(project) && <a href={href.members()} aria-current={route.page === 'members' ? 'page' : undefined}>Members</a>}
        </nav>
        <PresenceSwitch />
        <ConnectionStatus chat={chat} />
        <div class="account">
          <span class="muted">{session.agent.fullname}</span>
          <button type="button" class="link" onClick={props.onSwitchProject}>Switch project</button>
          <button type="button" class="link" onClick={props.onSignOut}>Sign out</button>
        </div>
      </header>
      <Page route={route} />
    </Ctx.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'inbox':
      return <Inbox tab={route.tab} conversationId={route.conversationId} />;
    case 'contacts':
      return <ContactsPage />;
    case 'new-contact':
      return <ContactForm lead={null} />;
    case 'contact':
      return <ContactDetail key={route.leadId} leadId={route.leadId} />;
    case 'duplicates':
      return <Duplicates />;
    case 'members':
      return <MembersPage />;
  }
}

/** Says so while the socket is down; the store catches up by itself once it is back. */
function ConnectionStatus({ chat }: { chat: ChatStore }) {
  const { connection } = useStore(chat.state);
  return (
    <span role="status" class={`connection ${connection}`}>
      {connection === 'connected' ? '' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
    </span>
  );
}
