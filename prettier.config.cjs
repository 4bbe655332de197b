/** @type {import('prettier').Config} */

// OCA's prettier configuration for 18.0 (oca-addons-repo-template, prettier.config.cjs).
// xmlWhitespaceSensitivity "preserve" keeps the text of QWeb templates and views as written
// (only tags and attributes are laid out): "ignore" would re-flow text nodes.
const config = {
  // https://github.com/prettier/prettier/issues/15388#issuecomment-1717746872
  plugins: [require.resolve("@prettier/plugin-xml")],
  bracketSpacing: false,
  printWidth: 88,
  proseWrap: "always",
  semi: true,
  trailingComma: "es5",
  xmlWhitespaceSensitivity: "preserve",
};

module.exports = config;
