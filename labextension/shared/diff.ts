// The param diff of a comparison, drawn by one function for the sidebar (src/compare.ts) and the
// inline compare widget (widgets/src/compare.ts) from one encoding, nbtrack.wire.diff_json.
import { el } from './dom';

/** What differs between runs: one row per field, one value per run, null where a run lacks it. */
export interface ParamDiff {
  fields: string[];
  runs: string[];
  values: (string | null)[][];
}

/** The class names of the table and of a missing value, so each side keeps its own styles. */
export interface DiffClasses {
  table: string;
  missing: string;
}

/** The diff as a table: a column per run, a row per field (`tr[data-field]`), "—" where missing. */
export function diffTable(diff: ParamDiff, classes: DiffClasses): HTMLTableElement {
  const node = el('table', { cls: classes.table });
  const head = node.createTHead().insertRow();
  head.append(
    el('th', { text: 'field', attrs: { scope: 'col' } }),
    ...diff.runs.map((label) => el('th', { text: label, attrs: { scope: 'col' } })),
  );
  const body = node.createTBody();
  diff.fields.forEach((field, i) => {
    const row = body.insertRow();
    row.dataset.field = field;
    row.append(el('th', { text: field, attrs: { scope: 'row' } }));
    for (const value of diff.values[i] ?? []) {
      row.append(el('td', { text: value ?? '—', cls: value === null ? classes.missing : '' }));
    }
  });
  return node;
}
