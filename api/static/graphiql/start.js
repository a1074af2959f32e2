// Starts GraphiQL against this registry's own /graphql. GraphiQL keeps the tabs in the browser's storage;
// the address carries no query, since GET /graphql?query=... runs it (GraphQL over HTTP).
(function () {
  "use strict";
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
})();
