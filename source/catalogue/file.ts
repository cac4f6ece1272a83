/** The catalogue's file in the home: named apart from orm.ts, so naming it loads no ORM. */
export const CATALOGUE_FILE = 'pobsync.sqlite';
