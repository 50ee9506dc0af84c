// nbtrack's JupyterLab extension: wires the sidebar, the run and comparison tabs and the commands.
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

import { NbtrackApi } from './api';
import { ComparisonPanel, INSERT_COMMAND } from './compare';
import { RunDetailPanel } from './detail';
import { pythonList } from './format';
import { LiveUpdates } from './live';
import { NbtrackSidebar, SIDEBAR_ID } from './sidebar';

const COMMANDS = {
  show: 'nbtrack:show-sidebar',
  refresh: 'nbtrack:refresh',
  openRun: 'nbtrack:open-run',
  compare: 'nbtrack:compare',
  insert: INSERT_COMMAND,
};
const CATEGORY = 'nbtrack';

/** The Python of a comparison cell for these runs. */
export function comparisonCell(runIds: string[]): string {
  return `import nbtrack\n\nnbtrack.compare(${pythonList(runIds)})`;
}

function activate(
  app: JupyterFrontEnd,
  palette: ICommandPalette | null,
  notebooks: INotebookTracker | null,
  restorer: ILayoutRestorer | null,
): void {
  const api = new NbtrackApi();
  const live = new LiveUpdates(api);
  const { commands, shell } = app;

  /** Show ``content`` in a main-area tab, or bring its existing tab forward. */
  const showTab = (content: RunDetailPanel | ComparisonPanel): void => {
    const existing = [...shell.widgets('main')].find((widget) => widget.id === content.id);
    if (existing) {
      content.dispose();
      shell.activateById(existing.id);
      return;
    }
    const tab = new MainAreaWidget({ content });
    tab.id = content.id;
    shell.add(tab, 'main');
    shell.activateById(tab.id);
    void content.load();
  };

  const selectedIds = (args: { runIds?: unknown }): string[] =>
    Array.isArray(args.runIds) ? (args.runIds as string[]) : sidebar.selected.map((run) => run.run_id);

  const sidebar = new NbtrackSidebar(api, live, {
    openRun: (run) => void commands.execute(COMMANDS.openRun, { runId: run.run_id }),
    compare: (runs) => void commands.execute(COMMANDS.compare, { runIds: runs.map((run) => run.run_id) }),
    insertComparison: (runs) => void commands.execute(COMMANDS.insert, { runIds: runs.map((run) => run.run_id) }),
  });
  shell.add(sidebar, 'left', { rank: 900 });
  restorer?.add(sidebar, SIDEBAR_ID);
  void sidebar.start();

  commands.addCommand(COMMANDS.show, {
    label: 'Show nbtrack runs',
    execute: () => shell.activateById(SIDEBAR_ID),
  });
  commands.addCommand(COMMANDS.refresh, {
    label: 'Refresh nbtrack runs',
    execute: () => sidebar.refresh(),
  });
  commands.addCommand(COMMANDS.openRun, {
    label: 'Open run details',
    execute: (args) => showTab(new RunDetailPanel(api, String(args.runId), commands, live)),
  });
  commands.addCommand(COMMANDS.compare, {
    label: (args) => `Compare ${selectedIds(args).length || ''} selected runs`.replace('  ', ' '),
    isEnabled: (args) => selectedIds(args).length >= 1,
    execute: (args) => showTab(new ComparisonPanel(api, selectedIds(args), commands, live)),
  });
  commands.addCommand(COMMANDS.insert, {
    label: 'Insert comparison cell',
    caption: 'Insert nbtrack.compare([...]) for the selected runs below the active cell',
    isEnabled: (args) => Boolean(notebooks?.currentWidget) && selectedIds(args).length >= 1,
    execute: async (args) => {
      const panel = notebooks?.currentWidget;
      const ids = selectedIds(args);
      if (!panel || !ids.length) {
        return;
      }
      shell.activateById(panel.id);
      const notebook = panel.content;
      NotebookActions.insertBelow(notebook);
      notebook.activeCell?.model.sharedModel.setSource(comparisonCell(ids));
    },
  });
  sidebar.selectionChanged.connect(() => commands.notifyCommandChanged());
  notebooks?.currentChanged.connect(() => commands.notifyCommandChanged(COMMANDS.insert));

  for (const command of [COMMANDS.insert, COMMANDS.compare, COMMANDS.refresh, COMMANDS.show]) {
    palette?.addItem({ command, category: CATEGORY });
  }
  app.contextMenu.addItem({ command: COMMANDS.insert, selector: '.jp-Notebook', rank: 90 });
  app.contextMenu.addItem({ command: COMMANDS.compare, selector: '.nbtrack-RunList', rank: 1 });
  app.contextMenu.addItem({ command: COMMANDS.insert, selector: '.nbtrack-RunList', rank: 2 });
  app.contextMenu.addItem({ command: COMMANDS.refresh, selector: '.nbtrack-Sidebar', rank: 3 });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@nbtrack/labextension:sidebar',
  description: 'nbtrack: experiments and runs in the left sidebar, run details, comparisons',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker, ILayoutRestorer],
  activate,
};

export default plugin;
