// database-free
import { readFileSync } from 'node:fs'
import t from 'tap'
import ts from 'typescript'
import { projectFile, sourceFiles } from '../support/paths.js'

/**
 * Prose: string and template literals of 40 characters or more that hold a space. Route files
 * keep schemas, refusal lists and handlers; what an endpoint does in words lives in docs/.
 */
function proseCharacters(file: string, text: string): number {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  let prose = 0
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateExpression(node)
    ) {
      const literal = node.getText(source)
      if (literal.length >= 40 && /\s/.test(literal)) {
        prose += literal.length
        return
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return prose
}

t.test('route files are under 10 % prose', async (t) => {
  const files = sourceFiles('routes')
  let total = 0
  let prose = 0
  for (const file of files) {
    const text = readFileSync(projectFile(file), 'utf8')
    total += text.length
    prose += proseCharacters(file, text)
  }
  t.ok(files.length > 10, `found the route files (${files.length})`)
  t.ok(
    prose / total < 0.1,
    `prose is ${((100 * prose) / total).toFixed(1)} % of ${total} characters`,
  )
})

t.test('the measure counts a long description as prose', async (t) => {
  const text = "const d = 'Leave a group. The group owner must set another owner before leaving.'"
  t.equal(proseCharacters('x.ts', text), text.length - 'const d = '.length)
  t.equal(proseCharacters('x.ts', "const id = 'short'"), 0)
})
