// The starter files are imported `with { type: "text" }`: the import is the file's text, embedded in the binary.
declare module "*.txt" {
  const text: string;
  export default text;
}
