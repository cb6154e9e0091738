/**
 * Bad input from the user (a flag, a file, a topology, a recipe, a kernel that cannot be used): the CLI
 * prints its message as one line and exits 2, before anything starts where it can.
 */
export class InputError extends Error {}
