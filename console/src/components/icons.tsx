// Inline stroke icons (24×24 grid, currentColor) so the bundle needs no icon font.

import type { JSX } from 'preact';

type IconProps = { size?: number } & JSX.SVGAttributes<SVGSVGElement>;

function icon(paths: JSX.Element) {
    return ({ size = 16, ...rest }: IconProps) => (
        <svg
            width={size}
            height={size}
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            {...rest}
        >
            {paths}
        </svg>
    );
}

export const IconOverview = icon(
    <>
        <rect x="3" y="3" width="7" height="9" rx="1.5" />
        <rect x="14" y="3" width="7" height="5" rx="1.5" />
        <rect x="14" y="12" width="7" height="9" rx="1.5" />
        <rect x="3" y="16" width="7" height="5" rx="1.5" />
    </>,
);
export const IconTopics = icon(
    <>
        <path d="M4 6h16" />
        <path d="M4 12h16" />
        <path d="M4 18h10" />
    </>,
);
export const IconGroups = icon(
    <>
        <circle cx="9" cy="8" r="3.2" />
        <path d="M3.5 19c.6-3.2 2.8-5 5.5-5s4.9 1.8 5.5 5" />
        <circle cx="17" cy="9" r="2.5" />
        <path d="M16.5 14.2c2.2.2 3.6 1.7 4 4.3" />
    </>,
);
export const IconProduce = icon(
    <>
        <path d="M4 12l16-8-6 16-2.5-6.5z" />
        <path d="M11.5 13.5L20 4" />
    </>,
);
export const IconPlus = icon(
    <>
        <path d="M12 5v14" />
        <path d="M5 12h14" />
    </>,
);
export const IconTrash = icon(
    <>
        <path d="M4 7h16" />
        <path d="M9 7V4.5h6V7" />
        <path d="M6.5 7l1 13h9l1-13" />
    </>,
);
export const IconSearch = icon(
    <>
        <circle cx="11" cy="11" r="6.5" />
        <path d="M16 16l4.5 4.5" />
    </>,
);
export const IconX = icon(
    <>
        <path d="M6 6l12 12" />
        <path d="M18 6L6 18" />
    </>,
);
export const IconChevronRight = icon(<path d="M9 6l6 6-6 6" />);
export const IconChevronDown = icon(<path d="M6 9l6 6 6-6" />);
export const IconPencil = icon(
    <>
        <path d="M4 20l4.5-1 10-10a2.1 2.1 0 0 0-3-3l-10 10z" />
        <path d="M14 7l3 3" />
    </>,
);
export const IconRefresh = icon(
    <>
        <path d="M20 11a8 8 0 0 0-14.5-4.5L4 8" />
        <path d="M4 4v4h4" />
        <path d="M4 13a8 8 0 0 0 14.5 4.5L20 16" />
        <path d="M20 20v-4h-4" />
    </>,
);
export const IconAlert = icon(
    <>
        <circle cx="12" cy="12" r="9" />
        <path d="M12 7.5v5.5" />
        <path d="M12 16.5v.01" />
    </>,
);
export const IconCheck = icon(<path d="M5 12.5l4.5 4.5L19 7.5" />);
export const IconInbox = icon(
    <>
        <path d="M3 13l3-8h12l3 8" />
        <path d="M3 13v6h18v-6h-5l-1.5 2.5h-5L8 13z" />
    </>,
);
export const IconExternal = icon(
    <>
        <path d="M14 4h6v6" />
        <path d="M20 4l-9 9" />
        <path d="M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" />
    </>,
);
export const IconCopy = icon(
    <>
        <rect x="8" y="8" width="12" height="12" rx="2" />
        <path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3" />
    </>,
);
export const IconPlay = icon(<path d="M7 5l12 7-12 7z" />);
export const IconPause = icon(
    <>
        <path d="M8 5v14" />
        <path d="M16 5v14" />
    </>,
);
