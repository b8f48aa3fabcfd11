/** The console's styles: plain CSS, one column under 760 px (usable at 360 px), list and conversation side by side above. */
export const CONSOLE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f4f6fa}
#app{min-height:100%;display:flex;flex-direction:column}
h1,h2,h3,h4{margin:0 0 .5rem;line-height:1.25}
h1{font-size:1.6rem}h2{font-size:1.3rem}h3{font-size:1.05rem}h4{font-size:1rem}
a{color:#1a56db}
button,input,select,textarea{font:inherit;color:inherit}
button{border:1px solid #b9c2d3;background:#fff;border-radius:6px;padding:.4rem .8rem;cursor:pointer;min-height:2.25rem}
button:hover{background:#eef2f8}
button:disabled{opacity:.55;cursor:default}
button.primary{background:#1a56db;border-color:#1a56db;color:#fff}
button.primary:hover{background:#1646b3}
button.danger{border-color:#c81e1e;color:#c81e1e}
button.link{border:0;background:none;color:#1a56db;text-decoration:underline;padding:0 .2rem;min-height:0}
button.toggle[aria-pressed=true].online{background:#0e9f6e;border-color:#0e9f6e;color:#fff}
button.toggle[aria-pressed=true].away{background:#c27803;border-color:#c27803;color:#fff}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
input,select,textarea{border:1px solid #b9c2d3;border-radius:6px;padding:.4rem .55rem;background:#fff;max-width:100%}
textarea{width:100%;resize:vertical}
.field{display:flex;flex-direction:column;gap:.2rem;margin:0 0 .7rem}
.field small,.muted{color:#5b6478}
.error{color:#b91c1c}
.notice{background:#fff7e0;padding:.5rem;border-radius:6px}
.plain{list-style:none;margin:0;padding:0}
.card{background:#fff;border:1px solid #dde3ee;border-radius:10px;padding:1rem;margin:0 0 1rem}
.badge{display:inline-block;font-size:.78rem;padding:.05rem .45rem;border-radius:999px;background:#e1effe;color:#1e429f;margin-left:.35rem}
.badge.verified{background:#def7ec;color:#03543f}
.badge.online{background:#def7ec;color:#03543f}
.tag{display:inline-block;font-size:.8rem;padding:.05rem .5rem;border-radius:4px;background:#edf0f5;margin:.1rem .25rem .1rem 0}
.auth{max-width:26rem;margin:2rem auto;padding:0 1rem;width:100%}
.auth form button[type=submit]{width:100%}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.5rem 1rem;background:#fff;border-bottom:1px solid #dde3ee}
.main-nav{display:flex;gap:.8rem}
.main-nav a[aria-current=page]{font-weight:700;text-decoration:none}
.presence{display:flex;gap:.25rem}
.account{margin-left:auto;display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}
.connection:empty{display:none}
.connection{color:#b45309;font-weight:600}
.page{padding:1rem;max-width:60rem;width:100%;margin:0 auto}
.page-head{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;margin-bottom:.75rem}
.page-head .title{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem}
.page-head h2{margin:0;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}
.filters .grow{flex:1 1 14rem}
.filters input[type=search]{width:100%}
.results li,.contact-conversations li,.groups>li>ul>li{padding:.45rem 0;border-bottom:1px solid #e6eaf1;overflow-wrap:anywhere}
.facts{display:grid;gap:0 1.5rem;grid-template-columns:repeat(auto-fit,minmax(19rem,1fr))}
dl{margin:0 0 1rem}
dl .row{display:flex;gap:.5rem;padding:.15rem 0;border-bottom:1px dotted #e1e5ec}
dt{min-width:7rem;color:#5b6478}
dd{margin:0;overflow-wrap:anywhere;white-space:pre-wrap}
section{margin-bottom:1rem}
.confirm{background:#fff;border:2px solid #1a56db;border-radius:10px;padding:1rem;margin:0 0 1rem}
.danger-zone{border-color:#c81e1e}
.note .text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0}
.note{padding:.4rem 0;border-bottom:1px solid #e6eaf1}
.inbox{flex:1;display:flex;min-height:0}
.lists{width:22rem;border-right:1px solid #dde3ee;background:#fff;overflow:auto}
.conversation-pane{flex:1;display:flex;min-width:0}
.conversation-pane>.empty,.conversation-pane>p{margin:auto;color:#5b6478}
.tabs{display:flex;border-bottom:1px solid #dde3ee}
.tabs [role=tab]{flex:1 1 auto;border:0;border-radius:0;border-bottom:3px solid transparent;background:none;padding:.55rem .3rem;white-space:nowrap}
.tabs [role=tab][aria-selected=true]{border-bottom-color:#1a56db;font-weight:700}
.count{margin-left:.3rem;font-size:.75rem;background:#edf0f5;border-radius:999px;padding:0 .4rem}
.conversations .conversation-item{display:grid;grid-template-columns:1fr auto;gap:0 .5rem;padding:.6rem .8rem;border-bottom:1px solid #eef1f6;text-decoration:none;color:inherit}
.conversation-item[aria-current=true]{background:#e8f0fe}
.conversation-item .who{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.conversation-item .first-text{grid-column:1;color:#5b6478;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.conversation-item .meta{grid-column:2;grid-row:1/3;text-align:right;font-size:.8rem;color:#5b6478;display:flex;flex-direction:column;align-items:flex-end}
.badge:empty{display:none}
.lists .empty,.lists [role=status]{padding:1rem;color:#5b6478}
.conversation{flex:1;display:flex;flex-direction:column;min-width:0;height:calc(100vh - 3.2rem)}
.conversation-head{padding:.6rem 1rem;background:#fff;border-bottom:1px solid #dde3ee}
.conversation-head .title{display:flex;flex-wrap:wrap;align-items:baseline;gap:.2rem .8rem}
.conversation-head h2{margin:0;overflow-wrap:anywhere}
.conversation-head p{margin:.1rem 0 .4rem}
.back{display:none}
.transfer{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.log-wrap{flex:1;display:flex;flex-direction:column;min-height:0}
.older{align-self:center;margin:.3rem}
.log{flex:1;overflow-y:auto;padding:.75rem 1rem}
.msg{max-width:46rem;margin:0 0 .6rem;padding:.45rem .7rem;border-radius:10px;background:#fff;border:1px solid #e1e5ec;width:fit-content;min-width:8rem}
.msg.mine{margin-left:auto;background:#e8f0fe;border-color:#c3d6fb}
.msg.private{background:#fff8db;border:1px dashed #c27803}
.msg.system{margin:0 auto .6rem;background:none;border:0;color:#5b6478;font-style:italic}
.msg.pending{opacity:.7}
.msg-head{display:flex;justify-content:space-between;gap:1rem;font-size:.8rem;color:#5b6478}
.msg.private .sender{color:#8a5300;font-weight:700}
.msg .text{margin:.15rem 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.receipt{display:block;text-align:right;font-size:.75rem;color:#5b6478}
.receipt.error{color:#b91c1c}
.typing{margin:0;padding:0 1rem;min-height:1.3rem;font-size:.85rem;color:#5b6478}
.composer{padding:.6rem 1rem;background:#fff;border-top:1px solid #dde3ee}
.composer.private{background:#fff8db}
.composer-label{font-weight:600;font-size:.85rem}
.private-hint{margin-left:.5rem;color:#8a5300;font-size:.85rem}
.composer-row{display:flex;justify-content:space-between;align-items:center;margin-top:.35rem}
.check{display:flex;align-items:center;gap:.3rem}
.member .who{overflow-wrap:anywhere}
.member-settings{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;margin-top:.5rem}
.member-settings .field{margin:0}
.presence-dot.online{color:#0e9f6e}.presence-dot.away{color:#c27803}.presence-dot.offline{color:#6b7280}
@media (max-width:760px){
  .top{padding:.4rem .6rem}
  .account{margin-left:0}
  .inbox{flex-direction:column}
  .lists{width:100%;border-right:0}
  .inbox.has-open .lists{display:none}
  .inbox:not(.has-open) .conversation-pane{display:none}
  .back{display:inline-block;margin-bottom:.3rem}
  .conversation{height:auto;min-height:calc(100vh - 7rem)}
  .log{max-height:none}
  .page{padding:.75rem}
  dt{min-width:5.5rem}
}
`;
