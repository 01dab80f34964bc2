// esbuild bundles a webview's imported stylesheet into dist/webview/<kind>.css, which the host links with the CSP.
declare module '*.css';
