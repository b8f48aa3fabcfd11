/** The two namespaces' types, so handlers and the notifier agree on every event. */
import type { Namespace, Socket } from 'socket.io';
import type {
  AgentCommands,
  AgentServerEvents,
  AgentSocketData,
  InterServerEvents,
  VisitorCommands,
  VisitorServerEvents,
  VisitorSocketData,
} from './events.js';

export type VisitorNamespace = Namespace<VisitorCommands, VisitorServerEvents, InterServerEvents, VisitorSocketData>;
export type VisitorSocket = Socket<VisitorCommands, VisitorServerEvents, InterServerEvents, VisitorSocketData>;
export type AgentNamespace = Namespace<AgentCommands, AgentServerEvents, InterServerEvents, AgentSocketData>;
export type AgentSocket = Socket<AgentCommands, AgentServerEvents, InterServerEvents, AgentSocketData>;
