// Swagger UI files are imported `with { type: "file" }`: the import is the embedded file's path.
declare module "swagger-ui-dist/*" {
  const path: string;
  export default path;
}
declare module "*/docs-theme.css" {
  const path: string;
  export default path;
}
