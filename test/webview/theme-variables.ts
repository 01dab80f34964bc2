/**
 * The --vscode-* variables VS Code sets on a webview's <html>, with the values of the default Light+ and Dark+
 * themes (VS Code 1.100), for the variables the webviews use. The Chromium tests install them the way VS Code does,
 * so the screenshots show real theme colours.
 */
const common: Record<string, string> = {
  'font-family': "system-ui, 'Ubuntu', 'Droid Sans', sans-serif",
  'font-size': '13px',
  'editor-font-family': "'DejaVu Sans Mono', 'Droid Sans Mono', monospace",
  'editor-font-size': '13px',
};

export const themes = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      ...common,
      'foreground': '#616161', 'descriptionForeground': '#717171', 'errorForeground': '#a1260d',
      'editor-background': '#ffffff', 'sideBar-background': '#f3f3f3', 'sideBarSectionHeader-foreground': '#616161',
      'button-background': '#007acc', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0062a3',
      'button-secondaryBackground': '#5f6a79', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#4c5561',
      'badge-background': '#c4c4c4', 'badge-foreground': '#333333',
      'input-background': '#ffffff', 'input-foreground': '#616161', 'input-border': '#cecece', 'input-placeholderForeground': '#767676',
      'focusBorder': '#0090f1', 'textLink-foreground': '#006ab1', 'textLink-activeForeground': '#006ab1',
      'panel-border': '#80808059', 'textCodeBlock-background': '#dcdcdc66', 'textBlockQuote-background': '#7f7f7f1a',
      'progressBar-background': '#0e70c0', 'editorWarning-foreground': '#bf8803', 'icon-foreground': '#424242',
      'toolbar-hoverBackground': '#b8b8b850', 'list-hoverBackground': '#e8e8e8', 'editorLineNumber-foreground': '#237893',
      'charts-green': '#388a34', 'charts-blue': '#1a85ff', 'charts-orange': '#d18616',
      'inputValidation-warningBackground': '#f6f5d2', 'inputValidation-warningBorder': '#b89500',
      'symbolIcon-functionForeground': '#652d90', 'editorWidget-border': '#c8c8c8',
    } as Record<string, string>,
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      ...common,
      'foreground': '#cccccc', 'descriptionForeground': '#ccccccb3', 'errorForeground': '#f48771',
      'editor-background': '#1e1e1e', 'sideBar-background': '#252526', 'sideBarSectionHeader-foreground': '#cccccc',
      'button-background': '#0e639c', 'button-foreground': '#ffffff', 'button-hoverBackground': '#1177bb',
      'button-secondaryBackground': '#3a3d41', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#45494e',
      'badge-background': '#4d4d4d', 'badge-foreground': '#ffffff',
      'input-background': '#3c3c3c', 'input-foreground': '#cccccc', 'input-placeholderForeground': '#a6a6a6',
      'focusBorder': '#007fd4', 'textLink-foreground': '#3794ff', 'textLink-activeForeground': '#3794ff',
      'panel-border': '#80808059', 'textCodeBlock-background': '#0a0a0a66', 'textBlockQuote-background': '#7f7f7f1a',
      'progressBar-background': '#0e70c0', 'editorWarning-foreground': '#cca700', 'icon-foreground': '#c5c5c5',
      'toolbar-hoverBackground': '#5a5d5e50', 'list-hoverBackground': '#2a2d2e', 'editorLineNumber-foreground': '#858585',
      'charts-green': '#89d185', 'charts-blue': '#3794ff', 'charts-orange': '#d18616',
      'inputValidation-warningBackground': '#352a05', 'inputValidation-warningBorder': '#b89500',
      'symbolIcon-functionForeground': '#b180d7', 'editorWidget-border': '#454545',
    } as Record<string, string>,
  },
};

export type ThemeName = keyof typeof themes;
