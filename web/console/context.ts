/** What every page of a signed-in console reaches: the REST client, the chat store, who and where the agent is. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.js';
import type { ChatStore } from './chat-store.js';
import type { Agent, MyProject } from './types.js';

export interface ConsoleContext {
  api: Api;
  chat: ChatStore;
  me: Agent;
  project: MyProject;
  /** REST paths of this project start here. */
  base: string;
  switchProject(): void;
  signOut(): void;
}

export const Ctx = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Ctx);
  if (!value) throw new Error('useConsole outside the signed-in console');
  return value;
}

export const canManage = (project: MyProject) => project.role === 'owner' || project.role === 'admin';
