// The shared protocol imports plain data types from engine-api.ts, whose AskOptions names AbortSignal — a Node/DOM
// global this layer cannot see (tsconfig.shared.json has no lib DOM, no Node types). An empty declaration lets that
// file typecheck here; under Node or DOM it merges with the real interface and changes nothing.
interface AbortSignal {}
