// One call of a built-in function as its emitter sees it: the arguments' SQL and types and the call's result type.
import { elems, type KNode } from '../parser';
import type { KType } from '../types';
import type { RowScope, Translator } from './context';
import { asString, fromDynamic } from './conversions';

export class CallSite {
  readonly name: string;
  readonly lname: string;
  readonly args: KNode[];

  constructor(readonly cx: Translator, readonly n: KNode, readonly scope: RowScope | undefined) {
    this.name = String(n.Name.SimpleName);
    this.lname = this.name.toLowerCase();
    this.args = n.ArgumentList ? elems(n.ArgumentList.Expressions) : [];
  }

  /** Argument i's SQL. */
  a(i: number): string { return this.cx.expr(this.args[i], this.scope); }
  /** Argument i's type. */
  t(i: number): KType { return this.cx.typeOf(this.args[i]); }
  /** The call's result type. */
  out(): KType { return this.cx.typeOf(this.n); }
  /** Argument i as text (dynamic values by their JSON scalar text). */
  str(i: number): string { return asString(this.cx, this.args[i], this.scope); }
  /** Argument i as a number (a dynamic one converted as toreal() does). */
  num(i: number): string { return this.t(i) === 'dynamic' ? fromDynamic(this.a(i), 'real') : this.a(i); }
  /** An aggregate's SQL, refused outside summarize and make-series. */
  agg(sql: string): string {
    if (!this.scope?.aggregate) throw this.cx.unsupported(this.n, `the aggregate '${this.name}' outside summarize or make-series`);
    return sql;
  }
}

/** A built-in function's SQL for one call. */
export type Emitter = (c: CallSite) => string;
