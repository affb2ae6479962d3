/**
 * `--format svg`: the picture of `--format dot`, laid out and drawn by Graphviz in-process
 * (graphviz.ts): one standalone SVG document, readable in any browser, attachable to a pull request.
 */
import { collect } from "./writer";
import { pictureWriter, writeDot } from "./dot";
import { loadGraphviz, renderSvg } from "./graphviz";
import type { FormatWriter } from "./writer";

export const svgWriter: FormatWriter = pictureWriter((picture, write) => write(renderSvg(collect((dot) => writeDot(picture, dot)))), loadGraphviz);
