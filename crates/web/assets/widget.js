// @ts-check
// Sked's booking widget: see the header of the full file once written.
