// Starts `mappingc lsp` for .dwmap files; everything else is the server's.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("mappingc")
    .get("command", ["mappingc", "lsp"]);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  client = new LanguageClient(
    "mappingc",
    "mappingc",
    { command, args, transport: TransportKind.stdio, options: { cwd: folder } },
    { documentSelector: [{ scheme: "file", language: "dwmap" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
