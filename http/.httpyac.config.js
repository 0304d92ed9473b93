// httpyac reads this file (it sits beside the .http files, so this folder is httpyac's root). Two hooks:
// 1. The .http files use REST Client's request variables, {{name.response.body.$.path}}, which Visual Studio reads too;
//    httpyac has no such syntax (it would evaluate the braces as JavaScript), so a hook resolves them before it does,
//    from the response httpyac keeps of each `# @name` request as `{name}Response`. JSONPath: $ then .field and [index].
// 2. Every request of the walk-through must succeed: a test per request that its status is 2xx, so that httpyac fails
//    (exit code, and failedTests in --json) on a wrong answer. It is not written in the files as `?? status == 200`
//    because REST Client and Visual Studio would send such a line as part of the request.
const { ok } = require('assert');

const requestVariable = /\{\{\s*([\w-]+)\.response\.(body|headers)\.([^}]+?)\s*\}\}/g;

function select(value, path) {
  if (path === '*') return value;
  if (!path.startsWith('$')) throw new Error(`not a JSONPath: ${path}`);
  for (const [, field, index] of path.slice(1).matchAll(/\.([\w-]+)|\[(\d+)\]/g)) {
    value = value?.[field ?? Number(index)];
  }
  if (value === undefined) throw new Error(`${path} is not in the response`);
  return value;
}

module.exports = {
  configureHooks(api) {
    api.hooks.replaceVariable.addHook('restClientRequestVariables', async (text, _type, { variables }) => {
      if (typeof text !== 'string') return text;
      return text.replace(requestVariable, (reference, name, part, path) => {
        const response = variables[`${name}Response`];
        if (!response) throw new Error(`${reference}: no response of a request named ${name} yet`);
        if (part === 'headers') return response.headers[path.toLowerCase()];
        const body = response.parsedBody ?? JSON.parse(response.body);
        const value = select(body, path);
        return typeof value === 'string' ? value : JSON.stringify(value);
      });
    }, { before: ['javascript'] });

    api.hooks.onResponse.addHook('walkThroughSucceeds', async (response, context) => {
      const test = api.utils.testFactoryAsync(context, { ignoreErrorFile: true });
      await test('status is 2xx', async () => ok(response.statusCode >= 200 && response.statusCode < 300, `status ${response.statusCode}: ${response.body}`));
    });
  },
};
