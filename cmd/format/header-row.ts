/**
 * The data a `table` format is executed against to print its header line (podman and docker both run the
 * row template once over headers): every field, method call or chained field resolves to a cell holding the
 * column title of the last name (`.Names` → NAMES, `.State.Status` → STATUS, `.Label "x"` → LABEL), with
 * the command's overrides (`ID` → CONTAINER ID). Cells are strings to functions (`{{.Names | upper}}`),
 * truthy to `if`, and range once over themselves.
 */
import { headerFor } from './camel-case.ts';
import { kResolveField, type FieldResolver } from './go-value.ts';

export class HeaderCell extends String implements FieldResolver {
  readonly #overrides: Readonly<Record<string, string>>;
  constructor(title: string, overrides: Readonly<Record<string, string>>) {
    super(title);
    this.#overrides = overrides;
  }
  [kResolveField](name: string): HeaderCell {
    return new HeaderCell(headerFor(name, this.#overrides), this.#overrides);
  }
}

export class HeaderRow implements FieldResolver {
  readonly #overrides: Readonly<Record<string, string>>;
  constructor(overrides: Readonly<Record<string, string>> = {}) {
    this.#overrides = overrides;
  }
  [kResolveField](name: string): HeaderCell {
    return new HeaderCell(headerFor(name, this.#overrides), this.#overrides);
  }
}
