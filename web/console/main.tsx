/** The agent console at /console: mounts the app into #app and adds its styles. */
import { render } from 'preact';
import { App } from './App.js';
import { CONSOLE_CSS } from './styles.js';

const style = document.createElement('style');
style.textContent = CONSOLE_CSS;
// No favicon file is served: an empty one spares the browser a 404.
const icon = Object.assign(document.createElement('link'), { rel: 'icon', href: 'data:,' });
document.head.append(style, icon);

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
render(<App />, root);
