// Messages for the operator console, outage editing and the executor view, in Ukrainian and English (merged into uk.ts / en.ts).
export const operatorUk = {
  'operator.title': 'Оператор',
} as const;

export const operatorEn: Record<keyof typeof operatorUk, string> = {
  'operator.title': 'Operator',
};
