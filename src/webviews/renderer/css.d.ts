// esbuild loads .css as text (loader '.css': 'text' in esbuild.js).
declare module '*.css' {
  const text: string;
  export default text;
}
